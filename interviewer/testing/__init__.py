"""Test doubles that ship with the package: a scripted fake LLM, a fault-injecting server, a local llama.cpp server."""

from ._fake_llm import FakeLLM, FakeReply, FakeRequest, judge_everything
from ._fault_server import Fault, FaultServer
from ._llama import LOCAL_MODEL_NAME, LOCAL_SETTINGS, LocalLlamaServer, smollm2_path

__all__ = [
    "LOCAL_MODEL_NAME",
    "LOCAL_SETTINGS",
    "FakeLLM",
    "FakeReply",
    "FakeRequest",
    "Fault",
    "FaultServer",
    "LocalLlamaServer",
    "judge_everything",
    "smollm2_path",
]
