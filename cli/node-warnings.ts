/**
 * Imported first by the project's own entry points (CLIs, the local endpoint, the bench, the tests' setup):
 * the AWS SDK warns on every process that Node 20 loses support in 2027. The project runs on Node 20
 * locally and on nodejs22.x in Lambda, so the notice is noise here; only this one warning is turned off,
 * through the SDK's own switch, and only in these processes.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
