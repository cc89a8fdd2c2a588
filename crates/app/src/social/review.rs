//! What staff may do with social items: read them redacted, mark them handled, send the
//! standard invitation, hide or unhide comments. Never free text to a social channel.

use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::{Action, permits};
use portico_domain::social::Decision;
use portico_store::social::{Moderation, Queue, ReviewError, SocialItem};

use crate::{App, Unexpected};

/// Why a staff action on a social item failed.
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// The actor may not handle social items.
    #[error("forbidden")]
    Forbidden,
    /// No such item.
    #[error("not found")]
    NotFound,
    /// The action does not fit the item.
    #[error("{0}")]
    NotApplicable(&'static str),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<ReviewError> for SocialError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::NotFound => SocialError::NotFound,
            ReviewError::NotApplicable(why) => SocialError::NotApplicable(why),
            ReviewError::Store(e) => SocialError::Unexpected(e.into()),
        }
    }
}

impl From<portico_store::StoreError> for SocialError {
    fn from(e: portico_store::StoreError) -> Self {
        SocialError::Unexpected(e.into())
    }
}

impl App {
    fn social_staff<'a>(&self, actor: &'a Actor) -> Result<&'a portico_domain::actor::StaffActor, SocialError> {
        match actor {
            Actor::Staff(s) if permits(actor, &Action::HandleSocial) => Ok(s),
            _ => Err(SocialError::Forbidden),
        }
    }

    /// The social inbox (direct messages and texts) or the moderation queue (comments), newest
    /// first, redacted; open items only unless `all`. The read is audited.
    pub async fn social_items(
        &self,
        actor: &Actor,
        queue: Queue,
        all: bool,
        ctx: &RequestContext,
    ) -> Result<Vec<SocialItem>, SocialError> {
        self.social_staff(actor)?;
        let action = if queue == Queue::Messages { "social.inbox_read" } else { "social.moderation_read" };
        let rec = AuditRecord::new(actor, action, "social_item", Purpose::Operations, ctx);
        Ok(self.store.social_items(queue, all, 200, self.now(), &rec).await?)
    }

    /// Marks an item handled; audited.
    pub async fn mark_social_handled(
        &self,
        actor: &Actor,
        item: &str,
        ctx: &RequestContext,
    ) -> Result<(), SocialError> {
        let s = self.social_staff(actor)?;
        let rec = AuditRecord::new(actor, "social.handled", "social_item", Purpose::Operations, ctx);
        Ok(self.store.mark_social_handled(item, &s.id.to_string(), self.now(), &rec).await?)
    }

    /// Sends the standard invitation (the redirect) to the sender of a direct message, while
    /// the platform's 24-hour window allows; audited. The worker makes the call.
    pub async fn invite_social_sender(
        &self,
        actor: &Actor,
        item: &str,
        ctx: &RequestContext,
    ) -> Result<(), SocialError> {
        self.social_staff(actor)?;
        let now = self.now();
        let since = portico_domain::Timestamp::from_unix_millis(now.unix_millis() - super::window_ms());
        let rec = AuditRecord::new(actor, "social.invitation_sent", "social_item", Purpose::Operations, ctx);
        self.store.invite_social_sender(item, since, now, &rec).await?;
        self.social_wake_again();
        Ok(())
    }

    /// Hides, unhides or leaves a comment; audited. The worker makes the calls.
    pub async fn moderate_social(
        &self,
        actor: &Actor,
        item: &str,
        verdict: Moderation,
        ctx: &RequestContext,
    ) -> Result<Decision, SocialError> {
        let s = self.social_staff(actor)?;
        let rec = AuditRecord::new(actor, "social.moderated", "social_item", Purpose::Operations, ctx);
        let d = self.store.moderate_social(item, verdict, &s.id.to_string(), self.now(), &rec).await?;
        self.social_wake_again();
        Ok(d)
    }
}
