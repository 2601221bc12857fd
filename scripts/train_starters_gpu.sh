#!/usr/bin/env bash
# Train the StyleGen, age, text and CycleGAN starters side by side on one CUDA GPU, then pack the exports.
#
#   scripts/train_starters_gpu.sh start|resume MINUTES OUTDIR
#
# Each run is an ordinary `gan-studio train` (the same commands run on a CPU with a larger budget, see
# docs/reproduce.md); here four share one GPU. Exports are written in fp16 for transport (restore_fp32 converts back).
set -u
PHASE=${1:-start}; MIN=${2:-8}; OUTDIR=${3:-runs/gpu/out}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
PY=${PYTHON:-python3}
mkdir -p "$OUTDIR" runs/gpu
common=(--threads 2 --checkpoint-every 60 --preview-every 60 --minutes "$MIN")
# resume RUN: --resume when the phase says so and the run has a checkpoint (else it starts fresh).
resume() { [ "$PHASE" = resume ] && ls runs/gpu/$1/checkpoints/*.pt >/dev/null 2>&1 && echo --resume; }
ARCH='{"channel_base":4096,"channel_max":256,"d_channel_base":4096,"d_channel_max":256}'
LIC="Weights: MIT (GAN Studio). Training data: Noto Color Emoji, SIL Open Font License 1.1"
nvidia-smi --query-gpu=name,memory.used --format=csv 2>/dev/null
$PY -m gan_studio train --family stylegen --data data/starter/colour/train --out runs/gpu/stylegen $(resume stylegen) \
  --resolution 64 --batch 64 --seed 1 --arch "$ARCH" "${common[@]}" >"$OUTDIR/stylegen.log" 2>&1 &
$PY -m gan_studio train --family age --data data/starter --out runs/gpu/age $(resume age) \
  --resolution 64 --batch 32 --seed 2 --arch "$ARCH" --augment-p 0.2 "${common[@]}" >"$OUTDIR/age.log" 2>&1 &
$PY -m gan_studio train --family text --data data/starter --out runs/gpu/text $(resume text) \
  --resolution 64 --batch 32 --seed 3 --imle 10 --arch "${ARCH%\}}, \"stage1\": \"stackgan\", \"z_dim\": 128, \"ca_dim\": 128, \"ca_noise\": 0.5, \"refiner\": {\"ch\": 96, \"n_res\": 3, \"detail_only\": true}}" \
  "${common[@]}" >"$OUTDIR/text.log" 2>&1 &
$PY -m gan_studio train --family cyclegan --data data/starter/symbol2colour --out runs/gpu/cycle $(resume cycle) \
  --resolution 128 --batch 8 --seed 4 --identity-weight 0 \
  --arch '{"ngf":32,"n_blocks":9,"ndf":64,"domains":["symbol","colour"]}' "${common[@]}" >"$OUTDIR/cycle.log" 2>&1 &
sleep 45; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv 2>/dev/null
wait
for r in stylegen age text cycle; do echo "== $r"; tail -n 3 "$OUTDIR/$r.log"; tail -n 1 runs/gpu/$r/progress.jsonl; done
$PY - "$OUTDIR" "$LIC" <<'PY'
import sys, json, tarfile
from pathlib import Path
import torch
from safetensors.torch import load_file, save_file
from gan_studio.core.training.stylegen_trainer import export_run
from gan_studio.core.training.age_trainer import export_age
from gan_studio.core.training.text_trainer import export_text
from gan_studio.core.training.cyclegan_trainer import export_cyclegan
out, lic = Path(sys.argv[1]), sys.argv[2]
jobs = {
  "stylegen": (export_run, "stylegen-emoji-all-64", "All emoji (StyleGen 64 px, RGBA)"),
  "age": (export_age, "age-faces-64", "Age slider faces (Age-cGAN 64 px)"),
  "text": (export_text, "text-emoji-128", "Text to emoji (StackGAN-style, 64 → 128 px)"),
  "cycle": (export_cyclegan, "symbol2colour-128", "Symbol ↔ colour emoji (CycleGAN 128 px)"),
}
for run, (fn, mid, name) in jobs.items():
    try:
        folder = Path("runs/gpu/export") / mid
        fn(Path("runs/gpu") / run, folder, mid, name, license=lic,
           training={"device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"})
        for f in folder.glob("*.safetensors"):
            save_file({k: (v.half() if v.is_floating_point() else v) for k, v in load_file(str(f)).items()}, str(f))
        with tarfile.open(out / f"{mid}.tar", "w") as tar:
            tar.add(folder, arcname=mid)
            for p in sorted((Path("runs/gpu") / run / "previews").glob("*.png"))[-2:]:
                tar.add(p, arcname=f"{mid}/previews/{p.name}")
            tar.add(Path("runs/gpu") / run / "progress.jsonl", arcname=f"{mid}/progress.jsonl")
        print("packed", mid, (out / f"{mid}.tar").stat().st_size // 1024, "KiB")
    except Exception as exc:
        print("export failed", run, type(exc).__name__, exc)
PY
ls -la "$OUTDIR"
echo "text: after unpacking text-emoji-128 into models/, add its prompt matcher (real images only, no GPU needed):"
echo "  gan-studio matcher --model text-emoji-128 --data data/starter"
