package web

// deadline: every request gets a deadline (Config.RequestTimeout) bounding
// the time it may spend waiting for what it needs — above all the database. A
// database host that drops packets would otherwise hold a query until the
// operating system gives its connection up, minutes later; with a deadline,
// the store's call ends with Unavailable and the request gets 503 with
// Retry-After like any other outage. begin (reqstate.go) sets it, in the
// same copy of the request as the request's id and state.
