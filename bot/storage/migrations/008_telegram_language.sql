-- The language Telegram reports for a user (only when the bot supports it), so that messages the
-- bot sends on its own (reminders, notices, broadcasts) use it when the user never chose one.
ALTER TABLE users ADD COLUMN telegram_language TEXT;
