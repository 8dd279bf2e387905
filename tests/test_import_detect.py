"""--format auto: recognising formats from content, folders, and the added client."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.formats.detect import ImportOptions, collect, detect_format, read_sources

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.yaml", "services:\n  web: {image: nginx}\n", "compose"),
        ("a.yml", "x-base: &b {}\nservices:\n", "compose"),
        ("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n", "k8s"),
        ("a.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\n", "backstage"),
        ("m.yaml", "archrev: 1\nsystem: {id: x}\ncomponents: {}\n", "archrev"),
        ("w.dsl", "workspace {\n}\n", "structurizr"),
        ("w.json", '{"model": {}}', "structurizr"),
        ("w.json", '{"name": "package"}', None),
        ("notes.yaml", "hello: world\n", None),
    ],
)
def test_detect(tmp_path: Path, name: str, text: str, expected: str | None) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert detect_format(path) == expected


def test_unknown_file_and_bad_json(tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text("hello: world\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="cannot tell the format"):
        collect([notes])
    bad = tmp_path / "w.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid JSON"):
        collect([bad])
    with pytest.raises(InputFileError, match="no such file"):
        collect([tmp_path / "missing.yaml"])


def test_forced_format_filters_a_folder(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  a: {image: x}\n", encoding="utf-8")
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n", encoding="utf-8"
    )
    with pytest.raises(InputFileError, match="mix formats"):
        collect([tmp_path])
    assert collect([tmp_path], "k8s").files == [tmp_path / "svc.yaml"]


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus is not here)")
    return path


@pytest.mark.parametrize(
    ("folder", "fmt", "files"),
    [
        ("online-boutique/kubernetes-manifests", "k8s", 12),
        ("backstage-examples", "backstage", 12),
        ("sentry-self-hosted", "compose", 1),
        ("structurizr-microservices-example", "structurizr", 1),
    ],
)
def test_corpus_folders(folder: str, fmt: str, files: int) -> None:
    sources = collect([corpus(*folder.split("/"))])
    assert sources.format == fmt and len(sources.files) == files


def test_users_client_in_front_of_entry_points() -> None:
    shop = read_sources(collect([corpus("sock-shop")], "k8s"), ImportOptions())[0]
    # front-end is a NodePort Service and no client calls it
    assert ("users", "front-end") in {ln.key for ln in shop.model.links}
    assert shop.model.component("users").kind.value == "client"
    boutique = read_sources(
        collect([corpus("online-boutique", "kubernetes-manifests")]), ImportOptions()
    )[0]
    # the load generator calls the frontend (a LoadBalancer), but its traffic is a test:
    # the real users still enter there (QA item 14), and the load generator is tagged
    assert ("users", "frontend") in {ln.key for ln in boutique.model.links}
    loadgen = boutique.model.component("loadgenerator")
    assert loadgen.kind.value == "client" and "test-traffic" in loadgen.tags
    assert loadgen.peak_rps is None
    assert boutique.model.system.id == "online-boutique"
