"""Quality metrics of generators: FID, KID, IS, precision/recall, class consistency; per label and overall."""
from .classifier import DomainClassifier, classifier_name, load_classifier, train_classifier
from .evaluate import evaluate
from .features import Extractor, classifier_extractor, extract, inception_extractor, real_features
from .provenance import check_provenance
from .scores import METRICS, Sample, metric, minimum_n

__all__ = ["DomainClassifier", "Extractor", "METRICS", "Sample", "check_provenance", "classifier_extractor",
           "classifier_name",
           "evaluate", "extract", "inception_extractor", "load_classifier", "metric", "minimum_n", "real_features",
           "train_classifier"]
