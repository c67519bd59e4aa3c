from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from firstmile.kit.settings import Settings
from firstmile.provisioning.cli import app
from firstmile.provisioning.models import FalloutCase
from tests.conftest import RunJobs
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import start_order


def test_cli_lists_and_retries_fallout(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    settings: Settings,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_DATABASE_URL", settings.database_url)
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    start_order(sessions, "tv")
    run_jobs()
    case_id = db.scalars(select(FalloutCase.id)).one()
    db.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["fallout"])
    assert listed.exit_code == 0
    assert case_id in listed.output
    retried = runner.invoke(app, ["fallout", "--retry", case_id])
    assert retried.exit_code == 0
    assert f"{case_id} retrying" in retried.output
