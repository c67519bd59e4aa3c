"""Data-subject rights (GDPR articles 15, 17 and 20): an export of everything held about a
customer, and erasure with legal holds, both audited in the event log.

`export`: every row about the customer. It reads every table that holds a `customer_id`
(and the rows hanging off them: KYC documents and their audit trail, payment methods,
portal sessions), so a table added later is exported without anyone remembering to add it
here. Identity document images are decrypted into the export; other binary data (contract
PDFs) is included as base64.

`erasure`: removes or blanks the personal data that no law requires the operator to keep:
names, birth date, company identifiers, contact media, message texts and addresses, the
inbox, push subscriptions, segment memberships, journey attributes, KYC evidence and
screening, the persons behind a business, account names, bill emails and payment methods.
`copies`: the same data where other records copied it: service addresses (and numbers to
port) in quotes and orders, unsigned contracts (voided, their documents erased),
appointment and help-request notes, portal sessions, the stored answers of idempotent
requests, and event payloads. Quotes, contract documents and events are otherwise never
changed after they are written; erasure is the one exception.

`holds`: what a law does require stays (`legal_holds` decides it, in one place), and the
answer says what and why:
- a signed contract, its order, products, and the account it bills with that account's
  billing account and payment methods (contract and tax law; SEPA mandate retention);
- the KYC verification of a customer who signed, with the persons behind a business
  (anti-money-laundering record keeping, typically five years after the relationship
  ends) — document images, and those persons' contact details, are erased anyway;
- the event log (the audit trail: who did what, when). Its payloads carry no names,
  addresses or numbers; the fields that once held one (`billing_account.updated` and
  `mandate.signed` v1) or that hold a note someone wrote are blanked in the customer's
  events (`copies.EVENT_PERSONAL_FIELDS`).
A customer with a live service cannot be erased: the contract is still being performed.
"""

from firstmile.kyc.privacy.erasure import erase_subject
from firstmile.kyc.privacy.export import export_subject
from firstmile.kyc.privacy.holds import ERASED, Holds, legal_holds

__all__ = ["ERASED", "Holds", "erase_subject", "export_subject", "legal_holds"]
