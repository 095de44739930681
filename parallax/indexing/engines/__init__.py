"""Where vectors are computed: the engine interface (base), this process (local), a Ray
cluster (ray, with ray_worker and ray_cluster; imported only when asked for: it imports Ray)."""

from parallax.indexing.engines.base import Embedded, EmbeddingEngine, EncoderLoader, EncoderSpec
from parallax.indexing.engines.local import LOCAL_ENGINE, LocalEngine

__all__ = ["LOCAL_ENGINE", "Embedded", "EmbeddingEngine", "EncoderLoader", "EncoderSpec",
           "LocalEngine"]
