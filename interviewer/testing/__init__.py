"""Test doubles that ship with the package: a scripted fake LLM, a fault-injecting server, a local llama.cpp server."""

from ._batch_server import BatchFault, BatchServer, RateLimit
from ._fake_llm import INVENTED_QUOTE, FakeLLM, FakeReply, FakeRequest, gullible, judge_everything, replying
from ._fault_server import Fault, FaultServer
from ._llama import LOCAL_MODEL_NAME, LOCAL_SETTINGS, LocalLlamaServer, smollm2_path
from ._models import LOCAL_MODELS, QWEN, SMOLLM2, LocalModel, local_model

__all__ = [
    "INVENTED_QUOTE",
    "LOCAL_MODELS",
    "LOCAL_MODEL_NAME",
    "LOCAL_SETTINGS",
    "QWEN",
    "SMOLLM2",
    "BatchFault",
    "BatchServer",
    "FakeLLM",
    "FakeReply",
    "FakeRequest",
    "Fault",
    "FaultServer",
    "LocalLlamaServer",
    "LocalModel",
    "RateLimit",
    "gullible",
    "judge_everything",
    "local_model",
    "replying",
    "smollm2_path",
]
