"""Baseline: a bare `websockets` broadcast server, the hardware limit.

Speaks the subset of the project's protocol the swarm uses: `subscribe`
answers `subscribed`; a `publish` message from the runner is serialised once
and broadcast to every subscriber with `websockets.broadcast`.

    python -m bench.bare --port 8765"""

import argparse
import asyncio
import gc
import json

from websockets.asyncio.server import ServerConnection, broadcast, serve

subscribers: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    try:
        async for raw in ws:
            message = json.loads(raw)
            op = message.get("op")
            if op == "subscribe":
                subscribers.add(ws)
                await ws.send(
                    json.dumps({"op": "subscribed", "stream": message["stream"], "last_id": 0})
                )
            elif op == "publish":
                frame = json.dumps(
                    {
                        "op": "event",
                        "stream": message["stream"],
                        "id": message["id"],
                        "type": "bench.event",
                        "data": message["data"],
                    },
                    separators=(",", ":"),
                )
                broadcast(subscribers, frame)
            elif op == "ping":
                await ws.send('{"op":"pong"}')
    finally:
        subscribers.discard(ws)


async def main(port: int) -> None:
    async with serve(
        handler, "127.0.0.1", port, compression=None, backlog=4096, ping_interval=None
    ) as server:
        gc.freeze()
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
