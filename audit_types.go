package gatehouse

// EventTypes lists every audit event type, for the places that offer them to
// choose from (the audit log's filter, webhook subscriptions). A test keeps it
// in step with the constants.
var EventTypes = []EventType{
	EventSignIn, EventSignInFailed, EventSignInThrottled, EventSignOut, EventSessionEnded,
	EventPasswordChanged, EventPasswordRefused, EventPasswordRehashed, EventSettingsChanged,
	EventMemberCreated, EventMemberUpdated, EventMemberDeleted, EventMemberDisabled, EventSetupCompleted,
	EventResetRequested, EventResetRefused, EventResetCompleted, EventActivationSent, EventActivated,
	EventMailFailed, EventAdminPasswordSet, EventSessionsRevoked, EventSupportPINSet, EventSupportPINChecked,
	EventAPIKeyCreated, EventAPIKeyRevoked, EventAPICall, EventCodeSent, EventCodeVerified, EventCodeFailed,
	EventDeviceTrusted, EventDeviceRevoked, EventMethodEnrolled, EventMethodRemoved, EventRecoveryCodeUsed,
	EventMobileChanged, EventMobileVerified, EventCaptchaFailed, EventRequestThrottled, EventLinkThrottled, EventRequestRefused,
	EventThrottleLifted, EventWebhookCreated, EventWebhookRotated, EventWebhookDeleted, EventWebhookDisabled,
	EventPasskeyAdded, EventPasskeyRenamed, EventPasskeyRemoved, EventPasskeyRefused, EventPasskeyCloneSuspected,
	EventEmailChangeRequested, EventEmailChanged, EventEmailChangeRefused, EventEmailChangeCancelled,
	EventPreferencesChanged, EventLogoChanged, EventTextChanged,
}
