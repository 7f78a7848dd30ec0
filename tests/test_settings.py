from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings, load_settings


def test_yaml_file_env_and_arguments_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("top_k: 7\nanswer_mode: extractive\n", "utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    assert (Settings().top_k, Settings().answer_mode) == (7, "extractive")
    monkeypatch.setenv("ASSISTANT_TOP_K", "3")
    assert Settings().top_k == 3  # environment beats the file
    assert Settings(top_k=5).top_k == 5  # explicit arguments beat both


def test_unknown_keys_and_missing_file_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("top_kk: 7\n", "utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    with pytest.raises(ValidationError, match="top_kk"):
        Settings()
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_settings(tmp_path / "missing.yaml")


def test_load_settings_leaves_the_environment_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("top_k: 9\n", "utf-8")
    assert load_settings(cfg).top_k == 9
    assert "ASSISTANT_CONFIG" not in os.environ
    assert Settings().top_k == 10


def test_every_field_is_described() -> None:
    missing = [name for name, f in Settings.model_fields.items() if not f.description]
    assert missing == []
