// The mp-weixin output's smoke test (run by tests/owner_app/test_mp_weixin.py): jsdom + miniprogram-simulate.
module.exports = {
  rootDir: __dirname,
  testEnvironment: "jsdom",
  testMatch: ["<rootDir>/*.test.js"],
  testTimeout: 60000,
  cache: false,
};
