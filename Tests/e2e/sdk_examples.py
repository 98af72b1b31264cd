"""The three examples of Ollama's Anthropic-compatibility page, run with the official SDK.

Prints one JSON object with what each example got (texts, message ids, tool ids) so that a
recorded run and a replayed run can be compared exactly. The base URL comes from
ANTHROPIC_BASE_URL; the key is ignored by Ollama and never stored by messages-vcr.
"""
import json
import os
import sys
import time

import anthropic

# VCR_FLAVOR=anthropic asks messages-vcr to answer as the real API (x-vcr-flavor); VCR_SESSION names a session.
headers = {name: os.environ[var] for name, var in (("x-vcr-flavor", "VCR_FLAVOR"), ("x-vcr-session", "VCR_SESSION")) if os.environ.get(var)}
client = anthropic.Anthropic(base_url=os.environ["ANTHROPIC_BASE_URL"], api_key="ollama", default_headers=headers)
which = sys.argv[1] if len(sys.argv) > 1 else "all"
out = {}

if which in ("all", "plain"):
    message = client.messages.create(
        model="qwen3-coder", max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, how are you?"}])
    out["plain"] = {"id": message.id, "text": message.content[0].text, "stop_reason": message.stop_reason}

if which in ("all", "stream"):
    started = time.monotonic()
    texts = []
    with client.messages.stream(
            model="qwen3", max_tokens=1024,
            messages=[{"role": "user", "content": "Count from 1 to 10"}]) as stream:
        for text in stream.text_stream:
            texts.append(text)
        final = stream.get_final_message()
    out["stream"] = {"id": final.id, "text": "".join(texts), "blocks": [b.type for b in final.content],
                     "seconds": round(time.monotonic() - started, 3)}

if which in ("all", "tools"):
    tools = [{
        "name": "get_weather",
        "description": "Get the current weather in a location",
        "input_schema": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}},
            "required": ["location"],
        },
    }]
    question = {"role": "user", "content": "What's the weather in San Francisco?"}
    first = client.messages.create(model="qwen3", max_tokens=1024, tools=tools, messages=[question])
    call = next((block for block in first.content if block.type == "tool_use"), None)
    if call is None and os.environ.get("VCR_TOOL_CALL_OPTIONAL"):
        # A tiny real model often answers in text, tools offered or not (and llama.cpp lets it): the first turn only.
        out["tools"] = {"first_id": first.id, "stop_reason": first.stop_reason, "text": "".join(b.text for b in first.content if b.type == "text")}
        print(json.dumps(out, sort_keys=True))
        sys.exit(0)
    assert call is not None, f"no tool call in {first.content}"
    second = client.messages.create(
        model="qwen3", max_tokens=1024, tools=tools,
        messages=[question,
                  {"role": "assistant", "content": first.content},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "65 degrees and sunny"}]}])
    out["tools"] = {"first_id": first.id, "tool_id": call.id, "tool_input": call.input, "stop_reason": first.stop_reason,
                    "second_id": second.id, "text": second.content[0].text}

print(json.dumps(out, sort_keys=True))
