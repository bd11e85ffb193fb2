// The synd extension: starts `synd lsp` for .pr and .prs files.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("synd").get("path") || "synd";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "synd",
    "synd language server",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "syndicate" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{pr,prs}"),
      },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
