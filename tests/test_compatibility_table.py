"""docs/compatibility.md and the README's table say exactly what the ``@compat`` markers prove."""

from __future__ import annotations

from tests import compat


def test_every_claim_names_a_known_backend_and_proof() -> None:
    found = compat.claims()
    assert found, "no test carries a @compat marker"
    for claim in found:
        assert claim.backend in compat.BACKENDS, claim
        assert claim.proof in compat.PROOFS, claim
        assert claim.versions.strip(), claim
        assert claim.source.strip(), claim


def test_the_document_is_current() -> None:
    want = compat.render_doc(compat.claims())
    assert compat.DOC.read_text(encoding="utf-8") == want, "run python -m tests.compat --write"


def test_the_readme_table_is_current() -> None:
    text = compat.README.read_text(encoding="utf-8")
    assert compat.render_readme(text, compat.claims()) == text, "run python -m tests.compat --write"
