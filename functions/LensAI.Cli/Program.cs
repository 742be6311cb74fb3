// lensai: the LensAI command-line tool. See docs/cli.md.
return await LensAI.Cli.Cli.RunAsync(args).ConfigureAwait(false);
