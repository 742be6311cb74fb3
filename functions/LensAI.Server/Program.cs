using LensAI.Server;

// The LensAI function app.
//   serve (default)        the HTTP API; on FUNCTIONS_CUSTOMHANDLER_PORT under the Azure Functions host,
//                          otherwise on 127.0.0.1:5080 (or --urls) as the embedded default
//   keys create --project <id> [--name <text>] | keys list [--project <id>] | keys revoke <prefix>
return await LensAIServer.RunAsync(args);
