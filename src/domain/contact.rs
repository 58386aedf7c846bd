//! The words of the contact log: channels, outcomes, delivery states, holds.

use serde::Serialize;

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the word a user typed; the error lists the accepted ones.
            pub fn parse(input: &str) -> Result<$name, String> {
                match input.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "{} \"{}\" is not known; use one of: {}",
                        $what,
                        input,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// How a contact happened.
    Channel, "channel", {
        Email => "email",
        Call => "call",
        Letter => "letter",
        Visit => "visit",
        Sms => "sms",
        Note => "note",
    }
);

word_enum!(
    /// What came of a contact.
    Outcome, "outcome", {
        NoAnswer => "no-answer",
        Voicemail => "voicemail",
        Talked => "talked",
        Promised => "promised",
        Disputed => "disputed",
        Refused => "refused",
        Replied => "replied",
        Bounced => "bounced",
        AutoReply => "auto-reply",
    }
);

word_enum!(
    /// The delivery state of an e-mail dun sent. A `pending` entry that no
    /// run is working on is shown as `unknown`: it may or may not have gone.
    Delivery, "delivery state", {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
);

word_enum!(
    /// Why the ladder is held for an invoice.
    HoldKind, "hold", {
        Promise => "promise",
        Dispute => "dispute",
        Pause => "pause",
        // Derived from a payment plan that is kept (SPEC.md §12), never stored.
        Plan => "plan",
    }
);

word_enum!(
    /// What a ladder step asks for.
    StepAction, "action", {
        Email => "email",
        Escalate => "escalate",
        Call => "call",
        Letter => "letter",
        Suspend => "suspend",
    }
);

impl StepAction {
    /// E-mail steps are done by `dun send`; the others are tasks for the user.
    pub fn is_email(self) -> bool {
        matches!(self, StepAction::Email | StepAction::Escalate)
    }

    /// The channel whose logged contact fulfils this step as a task.
    pub fn channel(self) -> Option<Channel> {
        match self {
            StepAction::Email | StepAction::Escalate => Some(Channel::Email),
            StepAction::Call => Some(Channel::Call),
            StepAction::Letter => Some(Channel::Letter),
            StepAction::Suspend => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_errors_list_the_choices() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Ok(*c));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Ok(*o));
        }
        let e = Channel::parse("fax").unwrap_err();
        assert!(e.contains("\"fax\"") && e.contains("email, call"), "{e}");
    }
}
