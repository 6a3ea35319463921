"""WhatsApp (Business Cloud API) as a second channel for residents.

The Application never learns about WhatsApp: ``bridge.WhatsAppBotAPI`` is a Bot API to it (like the
console's in-process one) that turns its calls into Cloud API messages (``layout``), and
``channel.WhatsAppChannel`` turns webhook events into Updates (``inbound``).
Flows are written once.
"""
