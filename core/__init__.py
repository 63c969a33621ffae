"""Pure rules: no Telegram, no SQL. The easiest code to read and to test."""
