#!/usr/bin/env bash
# The Debian packages the test suite needs beyond Node.js, checked before every `npm test`
# (package.json's "pretest") and by .ci/run:
#   redis-server                       the BullMQ prover tests start their own Redis
#   libegl1 libegl-mesa0 libgles2      Mesa's EGL/GLES with llvmpipe, so the WebGPU kernels run on
#   libgl1-mesa-dri                    Dawn's OpenGL ES backend without a GPU
#   chromium                           SwiftShader's Vulkan driver (in chromium-common, which it
#                                      pulls in: /usr/lib/chromium/vk_swiftshader_icd.json), on which
#                                      the WebGPU tests run Dawn's Vulkan backend, the path real
#                                      GPUs take; and the headless browser the web page tests drive
#   libvulkan1                         the system's Vulkan loader (libvulkan.so.1), which Dawn opens
#                                      (chromium's own copy is off the library path); SwiftShader is
#                                      added to its drivers through VK_ADD_DRIVER_FILES
# Missing ones are installed with apt-get when this runs as root (or with a password-less sudo);
# otherwise it prints the one line to run and fails, before any test starts.
set -euo pipefail

PACKAGES=(redis-server libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri chromium libvulkan1)

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; the suite needs: ${PACKAGES[*]} (or their equivalents)" >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "The test suite needs Debian packages that are not installed: ${missing[*]}" >&2
  echo "Install them, then run npm test again:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "system-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]}" >&2
