package webhook_test

import (
	"errors"

	"github.com/gatehouse-auth/gatehouse"
)

func asError(err error, target **gatehouse.Error) bool { return errors.As(err, target) }
