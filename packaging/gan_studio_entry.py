"""Entry point of the PyInstaller bundle: ``gan-studio`` exactly, plus the GUI smoke test when asked.

``GAN_STUDIO_SMOKE_GUI=OUT_DIR`` runs :mod:`smoke_gui` (start offscreen, wait for a generated image, exit 0).
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    smoke_dir = os.environ.get("GAN_STUDIO_SMOKE_GUI")
    if smoke_dir:
        from pathlib import Path

        import smoke_gui

        sys.exit(smoke_gui.run(Path(smoke_dir)))
    from gan_studio.cli import main

    sys.exit(main())
