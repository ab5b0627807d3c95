// The demo brand: 山茶花 Camellia, a Chinese beauty and personal-care brand selling through a mini-program mall,
// stores and Douyin, and growing its private domain through the channels Chinese brands actually use.

export const BRAND = { name: '山茶花 Camellia（演示品牌）', timezone: 'Asia/Shanghai', miniProgramAppId: 'wx_mp_camellia', officialAccountAppId: 'wx_oa_camellia' };

export const SOURCES = [
  ['公众号', 15], ['视频号', 12], ['抖音直播', 20], ['小红书', 13], ['门店扫码', 15], ['包裹卡', 10], ['小程序', 10], ['老带新', 5],
] as const;

export const CATEGORIES = ['面部护理', '彩妆', '身体护理', '香氛', '礼盒'] as const;

export interface Product {
  sku: string;
  name: string;
  category: (typeof CATEGORIES)[number];
  price: number; // fen
}

const NAMES: Record<(typeof CATEGORIES)[number], [string, number][]> = {
  面部护理: [['山茶花精华水', 18900], ['修护精华液', 32900], ['保湿面霜', 25900], ['洁面慕斯', 8900], ['眼霜', 29900], ['面膜10片装', 12900], ['防晒乳', 15900], ['卸妆油', 13900]],
  彩妆: [['丝绒口红', 16900], ['气垫粉底', 23900], ['眉笔', 6900], ['眼影盘', 19900], ['腮红', 12900], ['定妆喷雾', 9900]],
  身体护理: [['山茶花身体乳', 11900], ['沐浴露', 7900], ['护手霜三支装', 8900], ['洗发水', 9900], ['护发精油', 14900]],
  香氛: [['白茶淡香水', 39900], ['香薰蜡烛', 15900], ['车载香氛', 9900], ['衣物香氛喷雾', 6900]],
  礼盒: [['618限定礼盒', 59900], ['双11臻选礼盒', 69900], ['新年礼盒', 49900], ['旅行套装', 19900]],
};

export const PRODUCTS: Product[] = Object.entries(NAMES).flatMap(([category, items], c) =>
  items.map(([name, price], i) => ({ sku: `CAM-${c + 1}${String(i + 1).padStart(2, '0')}`, name, category: category as Product['category'], price })),
);

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
export const GIVEN = ['婷', '静', '敏', '丽', '芳', '娜', '燕', '玲', '雪', '晶', '欣', '怡', '佳', '琳', '璐', '瑶', '颖', '倩', '萌', '悦', '思', '雨', '涵', '梦', '晨', '诗', '雅', '慧', '宁', '洁', '伟', '磊', '浩', '杰'];
export const CITIES = [['上海', '上海'], ['北京', '北京'], ['广东', '广州'], ['广东', '深圳'], ['浙江', '杭州'], ['江苏', '南京'], ['四川', '成都'], ['湖北', '武汉'], ['陕西', '西安'], ['重庆', '重庆'], ['江苏', '苏州'], ['湖南', '长沙']] as const;
export const STORES = ['上海南京西路店', '上海静安大悦城店', '北京三里屯店', '杭州湖滨银泰店', '成都太古里店', '深圳万象城店'];
export const ORDER_CHANNELS = [['小程序商城', 45], ['门店', 25], ['抖音小店', 20], ['天猫旗舰店', 10]] as const;
