"""What many tests share: servers on 127.0.0.1 (`servers`), a Redis server (`redis_server`), small apps (`apps`),
what a real client checks on the wire (`wire`), programs outside Python (`programs`), the error-log check (`error_logs`),
a server that misbehaves on purpose (`hostile_server`)."""
