"""Channel adapters: one protocol (`base.ChannelAdapter`), one plug-in folder per channel."""
