"""Test doubles that ship with the package.

A scripted fake LLM; fake servers (faults, a fixed latency, the Batch API); a local llama.cpp server.
"""

from ._batch_server import BatchFault, BatchServer, RateLimit
from ._fake_llm import INVENTED_QUOTE, FakeLLM, FakeReply, FakeRequest, gullible, judge_everything, replying
from ._fault_server import Fault, FaultServer
from ._latency_server import LatencyServer, Served
from ._llama import LOCAL_MODEL_NAME, LOCAL_SETTINGS, LocalLlamaServer, smollm2_path
from ._models import LOCAL_MODELS, QWEN, SMOLLM2, LocalModel, local_model
from ._transcriber import ScriptedTranscriber

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
    "LatencyServer",
    "LocalLlamaServer",
    "LocalModel",
    "RateLimit",
    "ScriptedTranscriber",
    "Served",
    "gullible",
    "judge_everything",
    "local_model",
    "replying",
    "smollm2_path",
]
