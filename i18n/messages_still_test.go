package i18n

// stillEnglish are the messages of the code without a catalog message yet
// (TestEveryMessageOfTheCodeIsInTheCatalog): the service desk's (its console
// is English only so far), the management API's field refusals, and errors
// of the storage layer that only reach the log. The list only shrinks.
var stillEnglish = map[string]bool{
	"CreateMembers cannot run inside a transaction": true,
	"There is no organization %q.":                  true,
	"a claim needs the name of the worker":          true,
	"a notice needs a topic":                        true,
	"a row it refers to does not exist":             true,
	"cannot migrate inside a transaction":           true,
	"it already exists":                             true,
	"limit must be a whole number from 1 to 500.":   true,
	"no such organization":                          true,
	"no such unrevoked key":                         true,
	"not found":                                     true,
	"state is active or suspended.":                 true,
	"text is required.":                             true,
	"the code was already used":                     true,
	"the code was used already":                     true,
	"the code's time step was used already":         true,
	"the database URL must start with sqlite:, file:, postgres:// or postgresql://": true,
	"the last active operator":     true,
	"the page cursor is not valid": true,
	"unknown delivery status %q":   true,
	"unknown sort order %q":        true,
}
