#!/usr/bin/env bash
# Puts the real photographs for the image accuracy benchmark into .cache/images/calib (16) and .cache/images/test (65).
#
# Source: photographs shipped in three Debian packages, about 40 MB of downloads. The packages are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into a temporary folder: nothing is installed, no dependency
# is pulled in, and the machine is left as it was.
#   scratch        Scratch 1.4's background photos, usr/share/scratch/Media/Backgrounds/*/*.jpg (53 after
#                  leaving out the 8 drawings listed in DRAWINGS)
#   kphotoalbum    KPhotoAlbum's demo album, usr/share/kphotoalbum/demo/*.jpg (23, without qt-logo.jpg)
#   palapeli-data  Palapeli's jigsaw photos, usr/share/palapeli/collection/*.jpg (5)
# Each photo is named SOURCE-[CATEGORY-]NAME.jpg; of the 81 names in byte order, numbers 0, 5, 10, ..., 75 go to
# calib and the others to test. Files are copied unchanged; SHA256SUMS beside the folders records them.
#
# Idempotent: does nothing when both folders already hold their photos. Runs as root without questions
# (DEBIAN_FRONTEND=noninteractive); runs `apt-get update` only when a package cannot be downloaded without it.
set -euo pipefail
shopt -s nullglob

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.cache/images"
packages=(scratch kphotoalbum palapeli-data)
drawings=" scratch-indoors-party-room scratch-indoors-room1 scratch-indoors-room2 scratch-indoors-room3 \
scratch-indoors-spotlight-stage scratch-nature-woods-and-bench scratch-outdoors-brick-wall1 scratch-outdoors-school2 \
kphotoalbum-qt-logo "
calib_count=16
test_count=65

count() { find "$1" -maxdepth 1 -type f -name '*.jpg' 2>/dev/null | wc -l; }
if [ "$(count "$out/calib")" -eq "$calib_count" ] && [ "$(count "$out/test")" -eq "$test_count" ]; then
  echo "fetch-images: $out already has $calib_count calib and $test_count test photos"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

cd "$work"
if ! apt-get download "${packages[@]}" >apt.log 2>&1; then
  echo "fetch-images: apt-get download failed, updating the package lists once"
  apt-get update -q >>apt.log 2>&1 || { cat apt.log; exit 1; }
  apt-get download "${packages[@]}" >>apt.log 2>&1 || { cat apt.log; exit 1; }
fi
for deb in ./*.deb; do
  dpkg-deb -x "$deb" unpacked
done

mkdir -p photos
take() { # take SOURCE_PREFIX FILE...
  local prefix="$1" file name
  shift
  for file in "$@"; do
    name="$prefix-$(basename "$file" .jpg)"
    case "$drawings" in *" $name "*) continue ;; esac
    cp "$file" "photos/$name.jpg"
  done
}
share=unpacked/usr/share
for category in "$share"/scratch/Media/Backgrounds/*/; do
  take "scratch-$(basename "$category" | tr '[:upper:]' '[:lower:]')" "$category"*.jpg
done
take kphotoalbum "$share"/kphotoalbum/demo/*.jpg
take palapeli "$share"/palapeli/collection/*.jpg

mapfile -t names < <(cd photos && LC_ALL=C ls -1 -- *.jpg | LC_ALL=C sort)
if [ "${#names[@]}" -ne $((calib_count + test_count)) ]; then
  echo "fetch-images: expected $((calib_count + test_count)) photos, found ${#names[@]}" >&2
  exit 1
fi

rm -rf "$out/calib" "$out/test"
mkdir -p "$out/calib" "$out/test"
for i in "${!names[@]}"; do
  if [ $((i % 5)) -eq 0 ] && [ "$i" -lt $((calib_count * 5)) ]; then
    cp "photos/${names[$i]}" "$out/calib/"
  else
    cp "photos/${names[$i]}" "$out/test/"
  fi
done
(cd "$out" && LC_ALL=C sha256sum calib/*.jpg test/*.jpg >SHA256SUMS)
echo "fetch-images: $(count "$out/calib") calib and $(count "$out/test") test photos in $out"
