"""Zappa's "post" callback (zappa_settings.json, "callbacks"), run after every `zappa deploy`
and `zappa update`: API Gateway stage throttling, for which Zappa 0.63 has no setting of
its own, from the stage's `apigateway_throttling_rate_limit` (requests per second,
steady) and `apigateway_throttling_burst_limit` (requests at once). Requests over them
get 429 from API Gateway and never reach the function. Not packaged (deploy/ is excluded)."""
from __future__ import annotations


def patch_operations(rate_limit: float, burst_limit: int) -> list[dict]:
    """Every method of the stage ("*/*") throttled the same."""
    return [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(float(rate_limit))},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(burst_limit))},
    ]


def apply(cli) -> None:
    config = cli.stage_config
    rate, burst = config["apigateway_throttling_rate_limit"], config["apigateway_throttling_burst_limit"]
    api_id = cli.zappa.get_api_id(cli.lambda_name)
    if not api_id:
        raise RuntimeError(f"no API Gateway REST API for {cli.lambda_name}: stage throttling not set")
    cli.zappa.apigateway_client.update_stage(restApiId=api_id, stageName=cli.api_stage,
                                             patchOperations=patch_operations(rate, burst))
    print(f"API Gateway stage {cli.api_stage}: at most {rate} requests/s, bursts of {burst}")
