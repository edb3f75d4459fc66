package admin_test

// password is the members' password in these tests: long enough for the
// default policy, in no list of common passwords.
const password = "violet kettle orbit marsh"
