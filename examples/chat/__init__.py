"""The typedws chat demo: rooms, typed messages both ways, a page, and rooms shared between processes.

Run it with `python -m examples.chat` and open http://127.0.0.1:8000/.
`messages` holds the wire types, `app` the Starlette app, `session` one
connection's chat, `rooms` who is where across processes.
"""
