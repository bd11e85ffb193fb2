package status

import (
	"context"
	"log/slog"

	"github.com/synd-lang/synd/lang"
)

// Logger returns an OnEvent function that writes each lifecycle event to l
// as one record, message "service KIND", with the service's name as the
// attribute "service". Failures are errors, exits with a status other than
// 0 warnings, the rest information.
func Logger(l *slog.Logger) func(Event) {
	return func(e Event) {
		level := slog.LevelInfo
		attrs := []slog.Attr{slog.String("service", Key(e.Service))}
		switch e.Kind {
		case "failed":
			level = slog.LevelError
		case "exited":
			if !lang.Equal(e.Status, lang.Int(0)) {
				level = slog.LevelWarn
			}
			attrs = append(attrs, slog.String("status", lang.Format(e.Status)))
		case "restarted":
			attrs = append(attrs, slog.Int("count", e.Count), slog.Duration("delay", e.Delay))
		case "state":
			attrs = append(attrs, slog.String("state", e.State))
		}
		l.LogAttrs(context.Background(), level, "service "+e.Kind, attrs...)
	}
}
