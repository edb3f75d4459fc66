package account_test

// password is the members' password in these tests.
const password = "violet kettle orbit marsh"
