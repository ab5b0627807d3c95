module.exports = function Queue() {
  throw new Error('RudderStack persistence (bull/Redis) is not used in Siyu tests');
};
