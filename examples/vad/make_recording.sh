#!/bin/sh
# Makes speech.wav (16 kHz mono 16-bit, about 12 s: four sentences from espeak-ng with pauses of
# 1.2 to 2 s between them and a little white noise under all of it) and speech.json, which says
# where the script put speech, in seconds. Needs Debian's espeak-ng and sox; sox runs in repeatable
# mode (-R), so the same tools make the same file.
#   sh examples/vad/make_recording.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lead=0.8     # silence before the first sentence, seconds
tail=0.8     # and after the last
set -- \
  "The keeper climbed the stairs at dusk." 1.2 \
  "He lit the lamp and watched the ships." 2.0 \
  "Nobody came to the island that winter." 1.6 \
  "In spring the boats returned." 0

parts=""
json=""
t=$lead
sox -R -n -r 16000 -c 1 -b 16 "$tmp/lead.wav" trim 0 "$lead"
parts="$tmp/lead.wav"
i=0
while [ $# -gt 0 ]; do
  text=$1 pause=$2
  shift 2
  i=$((i + 1))
  espeak-ng -v en-us -s 175 -w "$tmp/raw$i.wav" "$text"
  # espeak-ng pads its output with silence; trim both ends so the json marks speech, not padding.
  sox -R "$tmp/raw$i.wav" -r 16000 -c 1 -b 16 "$tmp/s$i.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse
  d=$(soxi -D "$tmp/s$i.wav")
  end=$(echo "$t + $d" | bc -l)
  json="$json${json:+,
}    { \"start\": $(printf '%.3f' "$t"), \"end\": $(printf '%.3f' "$end"), \"text\": \"$text\" }"
  parts="$parts $tmp/s$i.wav"
  gap=$pause
  [ "$pause" = 0 ] && gap=$tail
  sox -R -n -r 16000 -c 1 -b 16 "$tmp/gap$i.wav" trim 0 "$gap"
  parts="$parts $tmp/gap$i.wav"
  t=$(echo "$end + $gap" | bc -l)
done

# shellcheck disable=SC2086
sox -R $parts "$tmp/clean.wav"
sox -R -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$(soxi -D "$tmp/clean.wav")" whitenoise vol 0.004
sox -R -m "$tmp/clean.wav" "$tmp/noise.wav" -r 16000 -c 1 -b 16 "$here/speech.wav" norm -3

cat > "$here/speech.json" <<JSON
{
  "file": "speech.wav",
  "sampleRate": 16000,
  "duration": $(printf '%.3f' "$(soxi -D "$here/speech.wav")"),
  "speech": [
$json
  ]
}
JSON
echo "wrote $here/speech.wav ($(soxi -d "$here/speech.wav")) and $here/speech.json"
