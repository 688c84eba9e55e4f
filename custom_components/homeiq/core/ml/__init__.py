"""Machine learning shared by every capability.

:mod:`.trees` evaluates and exports tree ensembles with numpy alone, :mod:`.registry` keeps
versioned, checksummed model blobs (:mod:`.blobs`, :mod:`.tensorfile`), :mod:`.models`
deploys and stores tree models in it and :mod:`.training` says whether training can run here.
"""
