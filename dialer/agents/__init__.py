"""The agents' side of a call: presence, the call handed to an agent, the screen-pop."""
