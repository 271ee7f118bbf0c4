-- Opportunistic STARTTLS (DESIGN.md §5): when the handshake fails where TLS is optional, the sender
-- retries the same host once in clear text. The attempt says so: NULL when no fallback happened,
-- otherwise why the session that carried it was not encrypted (the handshake's error).
ALTER TABLE delivery_attempts ADD COLUMN tls_fallback text;
