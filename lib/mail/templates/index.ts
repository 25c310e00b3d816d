// One function per email the app sends. Each returns { subject, text, html } for sendMail, names the
// product, and carries exactly one link: the one it exists for, built with appLink() from APP_URL.
export { accountDeletionScheduledMail } from "./account-deletion";
export { accountExistsMail } from "./account-exists";
export { accountLockedMail } from "./account-locked";
export { dataExportReadyMail } from "./data-export-ready";
export { addressHint, confirmEmailChangeMail, emailChangedMail } from "./email-change";
export { invitationMail } from "./invitation";
export { escapeHtml, type MailContent } from "./layout";
export { mfaChangedMail } from "./mfa-changed";
export { passwordChangedMail } from "./password-changed";
export { passwordResetMail } from "./password-reset";
export { paymentFailedMail } from "./payment-failed";
export { verifyEmailMail } from "./verify-email";
