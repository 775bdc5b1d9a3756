"""The offline grader: rubric coverage with a small embedded model, delivery metrics and guards."""

from ._cache import FeedbackCache
from ._coverage import Thresholds
from ._delivery import measure_delivery
from ._grader import E5_THRESHOLDS, OfflineGrader
from ._guards import looks_like_gibberish

__all__ = ["E5_THRESHOLDS", "FeedbackCache", "OfflineGrader", "Thresholds", "looks_like_gibberish", "measure_delivery"]
