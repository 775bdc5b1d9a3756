"""Loading and checking the question corpus and its rubrics."""

from ._load import Corpus, RoleCorpus, check_corpus, load_corpus, resolve_data_root, rubric_hash

__all__ = ["Corpus", "RoleCorpus", "check_corpus", "load_corpus", "resolve_data_root", "rubric_hash"]
