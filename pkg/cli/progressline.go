package cli

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xr-lake/xr/pkg/jsonscan"
)

// progressState is what one progress frame shows.
type progressState struct {
	name, label string
	elapsed     time.Duration
	reading     time.Duration // until the total was read (the rate's time)
	total       int64         // bytes; 0: unknown
	bytes       int64
	records     int64
}

// rate is the average throughput so far in bytes per second.
func (s progressState) rate() float64 {
	if secs := s.reading.Seconds(); secs > 0 {
		return float64(s.bytes) / secs
	}
	return 0
}

// fraction is the part of the total done (capped at 1: a file that grew
// while read), ok false when the total is unknown.
func (s progressState) fraction() (float64, bool) {
	if s.total <= 0 {
		return 0, false
	}
	return min(float64(s.bytes)/float64(s.total), 1), true
}

// eta is the time left at the average rate, ok false when unknown.
func (s progressState) eta() (time.Duration, bool) {
	f, ok := s.fraction()
	r := s.rate()
	if !ok || r <= 0 {
		return 0, false
	}
	if f >= 1 {
		return 0, true
	}
	return time.Duration(float64(s.total-s.bytes) / r * float64(time.Second)), true
}

// line is the terminal frame:
//
//	xr-canon: 45% 96.1 of 214.3 MB, 12345 records, 35.2 MB/s, ETA 0:04
//	xr-sqldump: 96.1 MB, 12345 records, 35.2 MB/s
func (s progressState) line() string {
	rate := fmt.Sprintf("%.1f MB/s", s.rate()/1e6)
	f, ok := s.fraction()
	if !ok {
		return fmt.Sprintf("%s: %.1f MB, %d records, %s", s.label, mb(s.bytes), s.records, rate)
	}
	eta := "ETA --:--"
	if d, ok := s.eta(); ok {
		eta = "ETA " + clock(d)
	}
	return fmt.Sprintf("%s: %d%% %.1f of %.1f MB, %d records, %s, %s", s.label, int(f*100), mb(s.bytes), mb(s.total), s.records, rate, eta)
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// clock renders d as m:ss, or h:mm:ss from an hour on (pv's and restic's
// ETA).
func clock(d time.Duration) string {
	secs := int64(d.Round(time.Second) / time.Second)
	if secs >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	}
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// fitWidth cuts a frame to a terminal of width columns (0: unknown), one
// column short, since a line that wraps cannot be redrawn with `\r`.
func fitWidth(s string, width int) string {
	if width <= 1 || utf8.RuneCountInString(s) < width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1])
}

// appendJSON appends the JSON status line (restic's --json status):
//
//	{"message_type":"status","command":"xr-canon","seconds_elapsed":1.5,
//	 "bytes_done":N,"records_done":N,"bytes_per_second":N,
//	 "total_bytes":N,"percent_done":0.45,"seconds_remaining":N,"final":false}
//
// "label" is there when a parent named the step (XR_PROGRESS_LABEL);
// total_bytes, percent_done and seconds_remaining when the total is known.
// The last line of a run has "final":true.
func (s progressState) appendJSON(dst []byte, final bool) []byte {
	dst = append(dst, `{"message_type":"status","command":`...)
	dst = jsonscan.AppendQuoteString(dst, s.name)
	if s.label != s.name {
		dst = append(dst, `,"label":`...)
		dst = jsonscan.AppendQuoteString(dst, s.label)
	}
	dst = append(dst, `,"seconds_elapsed":`...)
	dst = strconv.AppendFloat(dst, s.elapsed.Seconds(), 'f', 3, 64)
	dst = append(dst, `,"bytes_done":`...)
	dst = strconv.AppendInt(dst, s.bytes, 10)
	dst = append(dst, `,"records_done":`...)
	dst = strconv.AppendInt(dst, s.records, 10)
	dst = append(dst, `,"bytes_per_second":`...)
	dst = strconv.AppendInt(dst, int64(s.rate()), 10)
	if f, ok := s.fraction(); ok {
		dst = append(dst, `,"total_bytes":`...)
		dst = strconv.AppendInt(dst, s.total, 10)
		dst = append(dst, `,"percent_done":`...)
		dst = strconv.AppendFloat(dst, f, 'f', 4, 64)
		if d, ok := s.eta(); ok {
			dst = append(dst, `,"seconds_remaining":`...)
			dst = strconv.AppendInt(dst, int64(d.Round(time.Second)/time.Second), 10)
		}
	}
	dst = append(dst, `,"final":`...)
	dst = strconv.AppendBool(dst, final)
	return append(dst, '}', '\n')
}
