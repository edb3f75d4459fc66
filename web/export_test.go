package web

// RoutePatterns returns the patterns the router of s serves, in the order
// they were registered, so that tests outside the package can walk every
// route (TestIsolationMatrix).
func RoutePatterns(s *Server) []string { return append([]string(nil), s.patterns...) }

// CookieValue is cookieValue, for FuzzCookieValue.
var CookieValue = cookieValue
