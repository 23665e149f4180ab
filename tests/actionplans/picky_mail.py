from django.core.mail.backends.locmem import EmailBackend

# Addresses this mail server refuses; tests fill and empty it.
REFUSED: set[str] = set()


class Backend(EmailBackend):
    """A mail server that refuses the addresses in REFUSED and delivers the rest to the outbox."""

    def send_messages(self, messages):
        for message in messages:
            refused = REFUSED.intersection(message.recipients())
            if refused:
                raise ConnectionRefusedError(f"mail server refuses {', '.join(sorted(refused))}")
        return super().send_messages(messages)
