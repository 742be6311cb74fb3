using LensAI.Server;

// The LensAI backend as an ASP.NET Core app (the embedded default and the container image).
//   serve (default)        the HTTP API and the job scheduler on 127.0.0.1:5080 (or --urls / ASPNETCORE_URLS)
//   keys | budgets | jobs  the lensai tool's own commands (docs/cli.md), e.g. keys create --project <id>
return await LensAIServer.RunAsync(args);
