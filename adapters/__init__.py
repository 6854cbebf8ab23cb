"""Input adapters: tmsh text, archives (UCS/qkview), Terraform JSON, AS3/DO declarations."""
