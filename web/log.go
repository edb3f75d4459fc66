package web

import "log/slog"

// levelFor logs server errors as errors, refused requests as information and the
// rest only at debug level, so a flood of good requests does not flood the log.
func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
