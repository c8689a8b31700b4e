claude mcp add --transport http indicate http://127.0.0.1:8000/mcp --header 'Authorization: Bearer ${INDICATE_AGENT_TOKEN}'
