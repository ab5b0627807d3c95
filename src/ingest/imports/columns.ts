// Which file column means what. Headers are matched case-insensitively, ignoring spaces, underscores and dashes,
// against the names operators actually use (English exports, Chinese back-office exports, the UCI retail file).
// An explicit mapping { field: "Header" } from the caller wins.

export type ImportKind = 'customers' | 'orders' | 'events';

const IDENTIFIER_ALIASES: Record<string, string[]> = {
  user_id: ['userid', 'customerid', 'uid', '用户id', '客户id', '客户编号'],
  anonymous_id: ['anonymousid', 'deviceid', '设备id'],
  phone: ['phone', 'mobile', 'tel', 'phonenumber', '手机', '手机号', '手机号码', '电话'],
  email: ['email', 'mail', 'emailaddress', '邮箱', '电子邮箱'],
  member_no: ['memberno', 'membernumber', 'membercard', 'cardno', '会员号', '会员卡号', '会员编号'],
  unionid: ['unionid'],
  openid: ['openid'],
  openid_app_id: ['openidappid', 'appid'],
  wecom_external_userid: ['externaluserid', 'wecomexternaluserid', '企微id'],
  douyin_openid: ['douyinopenid', '抖音openid'],
};

const KIND_ALIASES: Record<ImportKind, Record<string, string[]>> = {
  customers: {
    name: ['name', 'fullname', '姓名', '名字', '客户姓名'],
    gender: ['gender', 'sex', '性别'],
    birthday: ['birthday', 'birthdate', 'dateofbirth', '生日', '出生日期'],
    address: ['address', '地址', '收货地址'],
    city: ['city', '城市'],
    province: ['province', '省份'],
    source_channel: ['source', 'sourcechannel', 'channel', '来源', '来源渠道', '渠道'],
  },
  orders: {
    order_id: ['orderid', 'orderno', 'ordernumber', 'invoiceno', 'invoice', '订单号', '订单编号'],
    kind: ['kind', 'ordertype', '订单类型'],
    amount: ['amount', 'total', 'ordertotal', 'paidamount', '金额', '订单金额', '实付金额'],
    currency: ['currency', '币种'],
    placed_at: ['placedat', 'orderdate', 'invoicedate', 'createdat', 'paidat', '下单时间', '支付时间', '订单时间'],
    channel: ['channel', 'saleschannel', '渠道', '销售渠道'],
    store: ['store', 'shop', 'storeid', '门店', '店铺'],
    sku: ['sku', 'stockcode', 'productid', 'itemid', '商品编码', '货号'],
    product_name: ['productname', 'description', 'itemname', 'product', '商品名称', '商品'],
    category: ['category', 'productcategory', '品类', '类目'],
    quantity: ['quantity', 'qty', '数量'],
    unit_price: ['unitprice', 'price', '单价'],
    country: ['country', '国家'],
  },
  events: {
    event: ['event', 'eventname', 'name', '事件', '事件名称'],
    type: ['type', '类型'],
    timestamp: ['timestamp', 'time', 'eventtime', 'occurredat', '时间', '发生时间'],
    message_id: ['messageid', 'eventid'],
  },
};

const squash = (h: string) => h.toLowerCase().replace(/[\s_\-.]/g, '');

export interface ColumnMap {
  /** field -> column index */
  fields: Map<string, number>;
  /** columns that matched nothing: they become traits (customers) or properties (events, orders) */
  extra: { index: number; key: string }[];
}

export function mapColumns(kind: ImportKind, header: string[], explicit: Record<string, string> = {}): ColumnMap {
  const aliases = { ...IDENTIFIER_ALIASES, ...KIND_ALIASES[kind] };
  const fields = new Map<string, number>();
  const used = new Set<number>();
  for (const [field, column] of Object.entries(explicit)) {
    const index = header.findIndex((h) => h === column || squash(h) === squash(column));
    if (index >= 0) {
      fields.set(field, index);
      used.add(index);
    }
  }
  header.forEach((h, index) => {
    if (used.has(index)) return;
    const s = squash(h);
    for (const [field, names] of Object.entries(aliases)) {
      if (!fields.has(field) && (s === squash(field) || names.includes(s))) {
        fields.set(field, index);
        used.add(index);
        return;
      }
    }
  });
  const extra = header
    .map((h, index) => ({ index, key: h.replace(/^(traits|properties)\./, '').trim() }))
    .filter((c) => !used.has(c.index) && c.key !== '');
  return { fields, extra };
}

export const identifierFields = Object.keys(IDENTIFIER_ALIASES);

export function requiredColumns(kind: ImportKind): string[][] {
  // Each inner list: at least one of these must be present.
  switch (kind) {
    case 'customers':
      return [identifierFields.filter((f) => f !== 'openid_app_id')];
    case 'orders':
      return [['order_id'], ['placed_at'], ['amount', 'unit_price']];
    case 'events':
      return [['event'], ['user_id', 'anonymous_id', 'phone', 'email', 'member_no', 'unionid', 'openid']];
  }
}
