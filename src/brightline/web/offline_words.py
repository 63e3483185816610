"""The offline screener app's words, marked for translation and sent to it in its page."""

from __future__ import annotations

from brightline.web.i18n import N_

WORDS = {
    "app_name": N_("Brightline offline screening"),
    "pin_rules": N_("Write the same PIN twice, at least 6 digits."),
    "pin_wrong": N_("That PIN does not open this device's records."),
    "provisional": N_(
        "Provisional (rules %(version)s): the server confirms it when the record is sent."
    ),
    "nothing_waiting": N_("Nothing waiting to send."),
    "one_person": N_("1 person"),
    "n_people": N_("%(n)s people"),
    "one_screening": N_("1 screening"),
    "n_screenings": N_("%(n)s screenings"),
    "one_photo": N_("1 photo"),
    "n_photos": N_("%(n)s photos"),
    "waiting": N_("%(what)s waiting to send"),
    "kind_person": N_("Person"),
    "kind_screening": N_("Screening"),
    "kind_photo": N_("Photo"),
    "eye_right": N_("Right eye"),
    "eye_left": N_("Left eye"),
    "state_waiting": N_("waiting"),
    "state_rejected": N_("refused by the server"),
    "state_waits_for_parent": N_("waits for the record it belongs to"),
    "correct": N_("Correct"),
    "server_differs": N_("The server decided %(server)s; the device had said %(device)s."),
    "print_slip": N_("Referral slip %(code)s"),
    "stale": N_(
        "This device has not sent its records for %(days)s days. Connect and send them now: "
        "records only on a phone are lost with the phone."
    ),
    "online": N_("Online"),
    "offline": N_("Offline"),
    "server_error": N_("The server could not take the records now; they stay on the device."),
    "sending": N_("Sending %(done)s of %(total)s"),
    "sent_all": N_("Everything that could be sent was sent."),
    "session_ended": N_("Your session has ended. Sign in again: the records stay on the device."),
    "no_connection": N_("No connection: the records stay on the device and are sent later."),
    "sign_out_waiting": N_("%(waiting)s. What should happen to them?"),
    "sign_out_refused_one": N_(
        "1 record refused by the server waits on this device until it is corrected."
    ),
    "sign_out_refused_many": N_(
        "%(n)s records refused by the server wait on this device until they are corrected."
    ),
    "still_signed_in": N_(
        "Not everything could be sent, so you are still signed in: the records stay on this device."
    ),
    "joined_referral": N_(
        "These findings joined referral %(code)s: this person already had an open referral, "
        "so no new slip or PIN was issued."
    ),
    # Sentences built from parts, so each language brings its own punctuation.
    "list_more": N_("%(list)s, %(more)s"),
    "record_line": N_("%(what)s: %(label)s"),
    "sent_line": N_("%(label)s: %(decision)s"),
    "field_problem": N_("%(field)s: %(message)s"),
    "photo_of": N_("%(label)s, %(eye)s"),
    "correct_and_resend": N_("Correct it and it is sent again."),
    "field_form": N_("The record"),
    "refused_unworded": N_("The server refused this record."),
    "provisional_decision": N_("Provisional: %(decision)s"),
    "others_one": N_(
        "1 record of another screener is waiting on this device; "
        "it can be sent only when that screener signs in."
    ),
    "others_many": N_(
        "%(n)s records of another screener are waiting on this device; "
        "they can be sent only when that screener signs in."
    ),
    "signed_out": N_("Signed out"),
    # Before unlocking: how many records the device keeps, never whose or of what kind.
    "device_one": N_("1 record is waiting on this device."),
    "device_many": N_("%(n)s records are waiting on this device."),
    "refused_one": N_("1 record was refused: correct it below and it is sent again."),
    "refused_many": N_("%(n)s records were refused: correct them below and they are sent again."),
    "correct_heading": N_("Correct the record"),
    "save_correction": N_("Save the correction"),
}
