"""`parallax index --engine ray`: the passages to embed are computed and embedded on a Ray
cluster's workers; the driver (this process) reads and plans as the local engine does, and
writes and publishes every part itself, in order, exactly as the local engine does
(parallax.indexing.publishing), so an index is the same whichever engine built it.

engine   RayEngine: the EmbeddingEngine that sends batches to the workers, in order
worker   RayWorker: a Ray actor, the model loaded once, one batch per call
cluster  importing Ray, connecting to a cluster, and the errors said when it cannot

Each worker embeds with the same `embed_passages` as the local engine. A batch whose worker
dies is run again by Ray (the actor restarts, `max_restarts`, and the call is retried,
`max_task_retries`). Documents reach the workers in one of two ways (`documents=`, or
PARALLAX_RAY_DOCUMENTS):
- "ship" (default): the driver, which has parsed every document to plan, sends the batch's
  passages in the call. No shared storage is needed; see docs/ray.md for the measurement.
- "shared": the driver sends paths; each worker reads and parses the file itself, checks its
  sha256 against the driver's, and says clearly when it cannot read it (the documents must be
  on a file system every node mounts at the same path).

Ray is an optional extra (`pip install 'parallax[ray]'`) and is imported only in this
package, when it runs: the local engine never imports it.
"""

from parallax.indexing.engines.ray.cluster import (
    INSTALL_HINT,
    RayUnavailable,
    WorkerCannotRead,
    import_ray,
)
from parallax.indexing.engines.ray.engine import DOCUMENT_MODES, RayEngine

__all__ = ["DOCUMENT_MODES", "INSTALL_HINT", "RayEngine", "RayUnavailable",
           "WorkerCannotRead", "import_ray"]
